"""moto_gaps."""
