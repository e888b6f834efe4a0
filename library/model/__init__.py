"""What the library is made of, with no I/O: errors, states, the declared schema, the
Track record, the one search semantic and the library table's views."""
