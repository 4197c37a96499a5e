"""Adapters that read data exported elsewhere (MediaCrawler…) into typed records."""
