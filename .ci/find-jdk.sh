# Sourced by .ci/run and demo.sh: points JAVA_HOME at a JDK 21 or newer, preferring the one already set.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -lt 21 ] 2>/dev/null; then
    JAVA_HOME=""
    for candidate in $(command -v java >/dev/null && dirname "$(dirname "$(readlink -f "$(command -v java)")")") /usr/lib/jvm/*; do
        [ -x "$candidate/bin/java" ] || continue
        if [ "$(java_major "$candidate")" -ge 21 ] 2>/dev/null; then JAVA_HOME=$candidate; break; fi
    done
    if [ -z "$JAVA_HOME" ]; then
        echo "No JDK 21 or newer found: install one and set JAVA_HOME to it." >&2
        exit 1
    fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
