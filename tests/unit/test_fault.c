/*
 * Fault hook tests. fault_hit counts passes in a static counter for the life of the
 * process, so the order below is the order of the counts: this binary is its own unit.
 */
#include "fault.h"
#include "tap.h"

#include <stdlib.h>

int main(void)
{
	unsetenv("VITALS_FAULT");
	is_int(fault_hit("record"), 0, "unset: no hit");

	setenv("VITALS_FAULT", "record:3", 1);
	is_int(fault_hit("commit"), 0, "record:3: commit is not hit");
	is_int(fault_hit("rec"), 0, "record:3: a prefix of the point is not hit");
	is_int(fault_hit("record"), 0, "record:3: pass 1 is not hit");
	is_int(fault_hit("commit"), 0, "record:3: commit still not hit between passes");
	is_int(fault_hit("record"), 0, "record:3: pass 2 is not hit");
	is_int(fault_hit("record"), 1, "record:3: pass 3 is hit");
	is_int(fault_hit("record"), 0, "record:3: pass 4 is not hit");

	/* A malformed count never hits and does not count a pass. */
	setenv("VITALS_FAULT", "record:6x", 1);
	is_int(fault_hit("record"), 0, "record:6x: malformed, no hit");
	setenv("VITALS_FAULT", "record:6", 1);
	is_int(fault_hit("record"), 0, "record:6: pass 5 is not hit");
	is_int(fault_hit("record"), 1, "record:6: pass 6 is hit (the malformed call did not count)");
	unsetenv("VITALS_FAULT");
	return done_testing();
}
