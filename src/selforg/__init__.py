"""selforg: self-organising systems, learned and emergent."""
__version__ = "0.1.0"
