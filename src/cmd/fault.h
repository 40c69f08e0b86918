/*
 * Fault injection for tests: lets an integration test kill the scanner at an exact
 * point (inside an NDJSON record write, between the database commit and the stream
 * write), which timing alone cannot hit reproducibly. Driven only by the environment
 * variable VITALS_FAULT="POINT:N" (see docs/OUTPUT.md); without it every check is a
 * cheap "no". Not an interface for users.
 */
#ifndef VITALS_FAULT_H
#define VITALS_FAULT_H

/* 1 on the N-th call for POINT when VITALS_FAULT names it; 0 otherwise. */
int fault_hit(const char *point);

#endif
