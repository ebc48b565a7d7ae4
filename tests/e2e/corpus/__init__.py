"""The corpus of damaged inputs and faults: each case a damage and its expected outcome."""
