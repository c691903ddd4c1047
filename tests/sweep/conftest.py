"""One local Ray instance (2 CPUs) for the whole sweep test session: Ray starts slowly."""

import logging

import pytest


@pytest.fixture(scope="session")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=100 * 2**20, logging_level=logging.ERROR)
    yield ray
    ray.shutdown()
