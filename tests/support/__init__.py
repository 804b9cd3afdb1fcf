"""Support code shared by the tests: not tests, and never collected by pytest.

Test modules import from here (or take the fixtures of tests/conftest.py), never from one
another, so that a test module can be moved, renamed or deleted without breaking others.

- ``paths``       the repository and the lab's cluster file;
- ``cli``         ``clustertui ARGS`` in a fresh interpreter;
- ``clusters``    cluster files derived from the lab's, and shell-injection payloads;
- ``nodes``       reading and breaking lab nodes (processes, sshd, mounts, leftovers);
- ``waiting``     the one polling helper (``wait_for``, and ``until`` for Pilot tests);
- ``lab_health``  what a test may leave damaged on a lab node, and how to heal it;
- ``history``     recorded lab drill results, varied, put into a history database.
"""
