"""hhevents: events of Helsingborg and Helsingør, gathered from their publishers and published as feeds.

This package holds what every stage shares (the event model, the clock, city facts) and the command line.
Data flows one way: config -> spiders -> pipelines -> store -> feeds (writers, publisher, server).
"""

__version__ = "0.1.0"
