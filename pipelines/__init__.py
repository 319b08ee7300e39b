"""Scrapy item pipelines, in the order items pass them: normalise, categorise, de-duplicate, store.

Each does one thing; a new stage slots in between by priority number.
"""

ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 100,
    "pipelines.categorise.CategorisePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 500,
    "pipelines.store.StorePipeline": 900,
}

EXTENSIONS = {
    "pipelines.health.SourceHealth": 500,
}
