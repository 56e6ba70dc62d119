"""Source specs: load with positions, the model, validation."""
