"""Geography: distances and bounding boxes (distance.py), geocoding, public snapping."""
