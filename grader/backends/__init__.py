"""Training backends (torch, keras, plugins): build an analysed model, count, shape, train."""
