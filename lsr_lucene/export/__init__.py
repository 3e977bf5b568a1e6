"""Writers that hand the quantized vectors to other engines."""
