"""Counts schemathesis' JUnit reports: one check per operation, failed when any finding was made on it.

Prints `fuzz: N passed, N failed` (read by run-all.sh's total) and the failing operations.
Usage: summary.py REPORT_DIR SERVICE...
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

report_dir, services = Path(sys.argv[1]), sys.argv[2:]
passed, failed, failures = 0, 0, []
for service in services:
    report = report_dir / f"{service}.xml"
    if not report.exists():
        failed += 1
        failures.append(f"{service}: no report (schemathesis did not finish)")
        continue
    for case in ET.parse(report).getroot().iter("testcase"):
        problems = case.findall("failure") + case.findall("error")
        if problems:
            failed += 1
            failures.append(f"{service}: {case.get('name')}")
        else:
            passed += 1
if failures:
    print("[fuzz] operations with findings:\n" + "\n".join(f"[fuzz]   {line}" for line in failures))
print(f"fuzz: {passed} passed, {failed} failed")
