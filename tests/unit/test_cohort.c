/* Cohorts: KEY=VALUE and bare words against organizations' tags. */
#include "cohort.h"
#include "tap.h"

#include <errno.h>

int main(void)
{
	struct cohort c;
	char buf[COHORT_TEXT_MAX * 2];
	json_t *hosp = json_pack("{s:s, s:s}", "type", "hospital", "region", "North");
	json_t *tele = json_pack("{s:s, s:s}", "type", "telehealth vendor", "telehealth", "true");
	json_t *none = json_object();
	is_int(cohort_parse("type=hospital", &c), 0, "parse: KEY=VALUE");
	is_str(cohort_text(&c, buf, sizeof buf), "type=hospital", "text: KEY=VALUE");
	is_int(cohort_match(&c, hosp), 1, "type=hospital selects a hospital");
	is_int(cohort_match(&c, tele), 0, "type=hospital does not select a vendor");
	is_int(cohort_match(&c, none), 0, "nor an untagged organization");
	is_int(cohort_parse("REGION=north", &c), 0, "parse: case of the key");
	is_int(cohort_match(&c, hosp), 1, "key and value compared without regard to case");
	is_int(cohort_parse("hospital", &c), 0, "parse: a bare word");
	is_int(cohort_match(&c, hosp), 1, "a bare word matches a tag's value");
	is_int(cohort_parse("telehealth", &c), 0, "parse: another bare word");
	is_int(cohort_match(&c, tele), 1, "a bare word matches a tag's name");
	is_int(cohort_match(&c, hosp), 0, "and nothing else");
	is_int(cohort_parse("type=telehealth", &c), 0, "parse: a value that is a prefix");
	is_int(cohort_match(&c, tele), 0, "values match whole, not by prefix");
	is_int(cohort_parse("", &c), -EINVAL, "an empty cohort is refused");
	is_int(cohort_parse("=x", &c), -EINVAL, "an empty key is refused");
	is_int(cohort_parse("type=", &c), -EINVAL, "an empty value is refused");
	is_int(cohort_parse(NULL, &c), -EINVAL, "no cohort is refused");
	json_decref(hosp);
	json_decref(tele);
	json_decref(none);
	return done_testing();
}
