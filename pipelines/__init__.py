"""Scrapy item pipelines, in the order items pass them: normalise, then store.

Each does one thing; later stages (clean, categorise, de-duplicate) slot in between by priority number.
"""

ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 100,
    "pipelines.store.StorePipeline": 900,
}

EXTENSIONS = {
    "pipelines.health.SourceHealth": 500,
}
