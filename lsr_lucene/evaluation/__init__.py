"""Effectiveness (through ir_measures) and efficiency figures, gathered into one report."""
