"""Jobs that move data between the adapters and the core: text checks of stored notes and
comments, and the daily recompute of the health index."""
