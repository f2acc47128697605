"""Running migrations offline and capturing what they emit."""
