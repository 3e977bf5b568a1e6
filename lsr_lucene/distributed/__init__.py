"""Work spread over more than one process or machine: encoding on Ray, indexes built in parts and merged."""
