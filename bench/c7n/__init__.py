"""Cloud Custodian's c7n-org side by side with Tether on one AWS endpoint (see __main__)."""
