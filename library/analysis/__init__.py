"""The analysis run: the controller, its worker processes, the CNN's fastest path, the
machine's cores, battery power and the owners of claims."""
