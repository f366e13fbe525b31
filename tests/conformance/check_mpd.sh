#!/usr/bin/env bash
# Checks DASH MPDs against the DASH-IF conformance tool's MPD rules: the MPD XML schema
# (DASH-MPD.xsd with its xlink import, via xmllint) and its Schematron rules (the XSLT compiled
# from schematron.sch, run with Debian's Saxon-HE), from a copy of the DASH-IF-Conformance
# repository (github.com/Dash-Industry-Forum/DASH-IF-Conformance) named by
# GEARBOX_DASHIF_CONFORMANCE_DIR. Nothing of that repository is part of gearbox.
#
#   GEARBOX_DASHIF_CONFORMANCE_DIR=/path/to/DASH-IF-Conformance tests/conformance/check_mpd.sh a.mpd [b.mpd ...]
#   tests/conformance/check_mpd.sh --probe   # only whether it can run: 0, or 77 and why not
#
# The folder holds the repository's own layout (a checkout, or just these files):
#   schematron/schemas/DASH-MPD.xsd, schematron/schemas/xlink.xsd, and
#   schematron/schematron/output/val_schema.xsl (the compiled rules) or, to compile them here,
#   schematron/schematron/schematron.sch with the .sch files it extends and
#   schematron/schematron/schematron/iso_{dsdl_include,abstract_expand,svrl_for_xslt2}.xsl.
# Exit status: 0 every MPD conforms; 1 one does not (each finding printed with its location);
# 2 usage or a tool failed; 77 skipped (no folder named, or it lacks the files): ctest's
# SKIP_RETURN_CODE. GEARBOX_SAXON_JAR overrides Debian's /usr/share/java/Saxon-HE.jar.
set -uo pipefail

skip() {
  echo "SKIPPED: $*"
  exit 77
}
fail_usage() {
  echo "check_mpd: $*" >&2
  exit 2
}

[ $# -ge 1 ] || fail_usage "usage: $0 MPD... | --probe"
dir=${GEARBOX_DASHIF_CONFORMANCE_DIR:-}
# Without the variable: a copy beside the checkout, in the project's shared folder
# (../shared/DASH-IF-Conformance), where the project's steering repository may keep it.
if [ -z "$dir" ]; then
  beside="$(cd "$(dirname "$0")/../../.." && pwd)/shared/DASH-IF-Conformance"
  [ -d "$beside" ] && dir=$beside
fi
[ -n "$dir" ] || skip "GEARBOX_DASHIF_CONFORMANCE_DIR is not set and ../shared/DASH-IF-Conformance does not exist (a copy of github.com/Dash-Industry-Forum/DASH-IF-Conformance)"
[ -d "$dir" ] || skip "GEARBOX_DASHIF_CONFORMANCE_DIR=$dir is not a folder"
xsd="$dir/schematron/schemas/DASH-MPD.xsd"
xlink="$dir/schematron/schemas/xlink.xsd"
sch_dir="$dir/schematron/schematron"
[ -f "$xsd" ] || skip "$xsd is missing"
[ -f "$xlink" ] || skip "$xlink is missing"
if [ ! -f "$sch_dir/output/val_schema.xsl" ] &&
   { [ ! -f "$sch_dir/schematron.sch" ] || [ ! -f "$sch_dir/schematron/iso_svrl_for_xslt2.xsl" ]; }; then
  skip "$sch_dir has neither output/val_schema.xsl nor schematron.sch with the ISO Schematron XSLTs"
fi
saxon=${GEARBOX_SAXON_JAR:-/usr/share/java/Saxon-HE.jar}
command -v xmllint >/dev/null || fail_usage "xmllint is missing (Debian: libxml2-utils; tools/setup.sh installs it)"
command -v java >/dev/null || fail_usage "java is missing (Debian: default-jre-headless; tools/setup.sh installs it)"
[ -f "$saxon" ] || fail_usage "$saxon is missing (Debian: libsaxonhe-java; tools/setup.sh installs it)"

[ "$1" = "--probe" ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
saxon_run() { java -cp "$saxon" net.sf.saxon.Transform -versionmsg:off "$@"; }

# The schema imports xlink from w3.org; the tests run offline, so a copy in $work points the
# import at the folder's local xlink.xsd (the folder itself is left as it is).
sed 's#schemaLocation="http://www.w3.org/XML/2008/06/xlink.xsd"#schemaLocation="xlink.xsd"#' "$xsd" >"$work/DASH-MPD.xsd"
cp "$xlink" "$work/xlink.xsd"

# The compiled rules, or the rules compiled as the repository's create_val_schema.sh does.
rules="$sch_dir/output/val_schema.xsl"
if [ ! -f "$rules" ]; then
  rules="$work/val_schema.xsl"
  saxon_run -s:"$sch_dir/schematron.sch" -o:"$work/step1.sch" -xsl:"$sch_dir/schematron/iso_dsdl_include.xsl" &&
    saxon_run -s:"$work/step1.sch" -o:"$work/step2.sch" -xsl:"$sch_dir/schematron/iso_abstract_expand.xsl" &&
    saxon_run -s:"$work/step2.sch" -o:"$rules" -xsl:"$sch_dir/schematron/iso_svrl_for_xslt2.xsl" ||
    fail_usage "compiling $sch_dir/schematron.sch failed"
fi

# SVRL: a failed-assert is a rule the MPD breaks; a successful-report is a rule's report of
# a condition it must not have (DASH-IF's rules use both). Each is printed with where it is.
cat >"$work/findings.xsl" <<'XSL'
<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:for-each select="//svrl:failed-assert | //svrl:successful-report">
      <xsl:value-of select="concat('  ', local-name(), ' at ', @location, ': ', normalize-space(svrl:text), '&#10;')"/>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
XSL

status=0
for mpd in "$@"; do
  [ -f "$mpd" ] || fail_usage "$mpd: no such file"
  problems=0
  if ! xmllint --noout --schema "$work/DASH-MPD.xsd" "$mpd" >"$work/xsd.log" 2>&1; then
    echo "$mpd: DASH-MPD.xsd:"
    grep -v ' fails to validate$' "$work/xsd.log" | sed 's/^/  /'
    problems=1
  fi
  # Saxon's warnings about the rules' own style (SXWN9000) are not findings about the MPD.
  if ! saxon_run -s:"$mpd" -xsl:"$rules" -o:"$work/svrl.xml" 2>"$work/saxon.log"; then
    echo "$mpd: the Schematron rules did not run:"
    sed 's/^/  /' "$work/saxon.log"
    status=2
    continue
  fi
  findings=$(saxon_run -s:"$work/svrl.xml" -xsl:"$work/findings.xsl" 2>&1)
  if [ -n "$findings" ]; then
    echo "$mpd: DASH-IF Schematron rules:"
    echo "$findings"
    problems=1
  fi
  if [ "$problems" = 0 ]; then
    echo "$mpd: conforms (DASH-MPD.xsd and the DASH-IF Schematron rules)"
  elif [ "$status" = 0 ]; then
    status=1
  fi
done
exit "$status"
