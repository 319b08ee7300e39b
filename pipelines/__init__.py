"""Scrapy item pipelines, in the order items pass them: normalise, de-duplicate, store.

Each does one thing; the stages still to come (clean, categorise) slot in between by priority number.
"""

ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 100,
    "pipelines.dedupe.DedupePipeline": 500,
    "pipelines.store.StorePipeline": 900,
}

EXTENSIONS = {
    "pipelines.health.SourceHealth": 500,
}
