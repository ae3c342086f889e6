# verify/module.mk - SPIN/Promela models of the lazy-mm schemes.
#
#   make verify      run every model and broken twin (verify/models.list),
#                    check each outcome, print the table; pan binaries and
#                    the twins' counterexample trails go to $(B)/verify/.
#
# Needs SPIN (Debian: spin) and a C compiler for pan; nothing from the C
# model.  See docs/verification.md.

verify:
	@B=$(B) sh verify/run.sh

TEST_LISTS += verify/tests.list
