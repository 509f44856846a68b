"""Where people live, how far they travel to support points, and accessibility measures."""
