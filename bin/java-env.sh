# Sourced by bin/* and .ci/run: selects a JDK 21 or newer for Maven and java.
# Keeps JAVA_HOME when it already points at one; otherwise looks under /usr/lib/jvm and /opt.
java_major() {
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_major "$JAVA_HOME")" -lt 21 ] 2>/dev/null; then
  candidate=""
  if command -v java >/dev/null 2>&1; then
    default_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    if [ "$(java_major "$default_home")" -ge 21 ] 2>/dev/null; then candidate=$default_home; fi
  fi
  if [ -z "$candidate" ]; then
    for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
      [ -x "$dir/bin/javac" ] || continue
      major=$(java_major "$dir")
      if [ -n "$major" ] && [ "$major" -ge 21 ]; then candidate=$dir; break; fi
    done
  fi
  if [ -z "$candidate" ]; then
    echo "error: the feature store needs a JDK 21 or newer; set JAVA_HOME to one" >&2
    return 1 2>/dev/null || exit 1
  fi
  export JAVA_HOME=$candidate
fi
export PATH="$JAVA_HOME/bin:$PATH"
