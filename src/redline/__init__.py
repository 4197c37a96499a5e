"""redline: content-health and traffic-governance engine."""
__version__ = "0.1.0"
