"""KTAB's Spatial Model of Politics, re-derived: its maths and its turn-by-turn dynamics."""
