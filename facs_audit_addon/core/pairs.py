"""Co-activation pairs from ``rules/coactivation.toml`` (placeholder until those checks land)."""


def parse_coactivation(doc, catalog, findings):
    return doc.data
