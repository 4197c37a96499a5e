"""A generated community for demonstrations and tests (`redline demo-data`, `redline demo`)."""

from redline.demo.community import Community, generate_community, write_community

__all__ = ["Community", "generate_community", "write_community"]
