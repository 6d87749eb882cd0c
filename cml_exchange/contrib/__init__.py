"""Ready adapters for other Django shops' models, each an optional app of its own."""
