"""Policy sections owned by the later parts of the system, one module each."""
