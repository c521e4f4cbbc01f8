"""Reports: signed, deterministic PDFs (SOC 2, HIPAA, GDPR, SRM) with an embedded manifest, bundles, verification."""
