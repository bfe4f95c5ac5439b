#!/bin/sh
# tests/run-unit.sh — runs the Check suites given and sums them up in one
# closing line, "N passed, N failed".
pass=0 fail=0
for t in "$@"; do
	out=$(CK_DEFAULT_TIMEOUT=60 "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^Running suite' | sed "s|^|$(basename "$t"): |"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	c=$(printf '%s' "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
	e=$(printf '%s' "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
	if [ -z "$c" ]; then
		fail=$((fail + 1))
		echo "$(basename "$t"): no result (exit $rc)"
		continue
	fi
	pass=$((pass + c - f - e))
	fail=$((fail + f + e))
	[ $rc -eq 0 ] || [ $((f + e)) -gt 0 ] || fail=$((fail + 1))
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
