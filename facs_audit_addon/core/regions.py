"""Face regions from ``rules/regions.toml`` (placeholder until the regional checks land)."""


def parse_regions(doc, catalog):
    return doc.data
