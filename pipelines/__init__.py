"""Scrapy item pipelines, in the order items pass them: clean, normalise, categorise, default end,
de-duplicate, store.

Each does one thing; a new stage slots in between by priority number. Clean and normalise work on raw items
(dicts); from normalise on, an item is an ``Event``. docs/normalisation.md says what clean and normalise
each own.
"""

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 50,
    "pipelines.normalise.NormalisePipeline": 100,
    "pipelines.categorise.CategorisePipeline": 300,
    "pipelines.default_end.DefaultEndPipeline": 400,
    "pipelines.dedupe.DedupePipeline": 500,
    "pipelines.store.StorePipeline": 900,
}

EXTENSIONS = {
    "pipelines.health.SourceHealth": 500,
}
