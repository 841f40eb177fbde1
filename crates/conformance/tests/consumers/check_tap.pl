#!/usr/bin/perl
# Reads the TAP reports that tests/report_consumers.rs wrote with TAP::Parser, the parser behind
# Perl's `prove` (Debian's 3.44 knows TAP up to version 13), and fails if it reads something
# else than the run found:   perl check_tap.pl REPORTS_DIR
# No parse error (a `TAP version 14` line is one), the plan, the counts of NAME.expected.json,
# and every `not ok` followed by YAML diagnostics that YAMLish reads back, with a `message`.
use strict;
use warnings;
use JSON::PP;
use TAP::Parser;

my $dir = shift or die "usage: check_tap.pl REPORTS_DIR\n";
my @problems;
sub check { my ($ok, $what) = @_; push @problems, $what unless $ok; }

for my $name (qw(passing wrong-answer unreachable crash)) {
    open my $fh, '<', "$dir/$name.expected.json" or die "$name.expected.json: $!";
    my $want = decode_json(do { local $/; <$fh> });
    my $file = "$dir/$name.tap";
    my $parser = TAP::Parser->new({ source => $file });
    my (@yaml, $last_not_ok, @missing);
    while (my $result = $parser->next) {
        if ($result->is_test) {
            push @missing, $last_not_ok if defined $last_not_ok;
            $last_not_ok = $result->is_ok ? undef : $result->number;
        } elsif ($result->is_yaml) {
            my $data = $result->data;
            push @yaml, $data;
            check(ref $data eq 'HASH' && length($data->{message} // ''), "$name.tap: YAML without a message");
            $last_not_ok = undef;
        }
    }
    push @missing, $last_not_ok if defined $last_not_ok;
    my $bad = $want->{failed} + $want->{errors} + $want->{not_run};
    check(!$parser->parse_errors, "$name.tap: parse errors: " . join('; ', $parser->parse_errors));
    check($parser->version == 13, "$name.tap: version " . $parser->version);
    check($parser->plan eq "1..$want->{tests}", "$name.tap: plan " . ($parser->plan // 'none'));
    check($parser->tests_run == $want->{tests}, "$name.tap: " . $parser->tests_run . " tests run");
    check(scalar($parser->failed) == $bad, "$name.tap: " . scalar($parser->failed) . " failed, want $bad");
    check(scalar($parser->skipped) == $want->{skipped}, "$name.tap: " . scalar($parser->skipped) . " skipped");
    check(!@missing, "$name.tap: no diagnostics under not ok @missing");
    my @not_run = grep { ($_->{status} // '') eq 'not_run' } @yaml;
    check(@not_run == $want->{not_run}, "$name.tap: " . scalar(@not_run) . " not-run diagnostics");
    check(!grep({ $_->{message} !~ /^not run, because / } @not_run), "$name.tap: a not-run message that does not say why");
    check(($parser->has_problems ? 0 : 1) == ($want->{green} ? 1 : 0), "$name.tap: has_problems disagrees with green");
}
print STDERR "consumer check failed: $_\n" for @problems;
exit 1 if @problems;
print "tap (TAP::Parser ", $TAP::Parser::VERSION, "): 4 runs read right\n";
