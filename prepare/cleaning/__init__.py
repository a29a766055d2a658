"""The cleaning rules, their bookkeeping (every repair and drop counted with its reason) and report."""
