# jvm-cds.sh: sourced by the snapferry launchers (POSIX sh). A class-data sharing archive
# (AppCDS, JDK 17's dynamic archive) of the classes a daemon loads roughly halves the JVM's
# start-up work: classes are mapped from it instead of read from the jars, parsed and verified.
#
#   snapferry_cds JAVA CACHE_DIR MAY_WRITE CLASSPATH "JVM OPTIONS" MAIN [ARG...]
# (the class path and the other options exactly as the launcher passes them) sets
# snapferry_cds_opts to the JVM options to add (possibly none):
# - an archive made for this very JVM, these jars and these options is in CACHE_DIR: use it;
# - there is none, MAY_WRITE is "yes" (a daemon start) and CACHE_DIR is writable: a training run
#   is started in the background at the lowest CPU priority (one at a time): MAIN ARG... with
#   SNAPFERRY_DATA set to a new temporary directory (the launchers run
#   "daemon ... --exit-when-ready", a daemon that starts, answers a request and stops), whose
#   JVM writes the archive when it exits (-XX:ArchiveClassesAtExit, to a temporary name). The file
#   is then checked by a JVM that must map all of it (-Xshare:on -XX:+VerifySharedSpaces) and only
#   then renamed into place: a file cut short (a run killed while writing) would crash the JVM
#   that maps it. A failed check deletes it; the next daemon start trains anew. The daemon being
#   started does not wait for any of this: it starts without the archive, the next one uses it.
# Anything wrong (no cache directory, not writable, a stale or damaged archive) means a start
# without the archive, which is only slower: the JVM refuses an archive made for another JVM or
# other jars (-Xshare:auto), and its CDS messages are switched off. SNAPFERRY_CDS=off disables all
# of this. Launchers running under "set -e" call it as "snapferry_cds ... || snapferry_cds_opts=''":
# nothing it does may stop a start.
snapferry_cds() {
    snapferry_cds_opts=""
    cds_java=$1
    cds_dir=$2
    cds_write=$3
    cds_classpath=$4
    cds_jvm_opts=$5
    shift 5
    [ "${SNAPFERRY_CDS:-on}" != off ] || return 0
    cds_jvm=$(readlink -f "$(command -v "$cds_java" 2>/dev/null)" 2>/dev/null) || return 0
    [ -n "$cds_jvm" ] || return 0
    # What an archive is only good for: this JVM (its path and its libjvm), these jars (their
    # sizes and times), these options. The name carries it, so a changed one finds no archive.
    # (The class path is split at ':' and its "dir/*" expanded, as the JVM does.)
    cds_key=$(
        IFS=:
        # shellcheck disable=SC2086
        set -- $cds_classpath
        echo "$cds_jvm $cds_jvm_opts $cds_classpath"
        { stat -L -c '%n %s %Y' "${cds_jvm%/bin/java}"/lib/server/libjvm.so "$@" 2>/dev/null || true; } | LC_ALL=C sort
    ) || return 0
    cds_key=$(printf '%s\n' "$cds_key" | cksum | cut -d' ' -f1)
    cds_archive="$cds_dir/snapferry-$cds_key.jsa"
    cds_writer="$cds_dir/snapferry-$cds_key.writer"
    cds_quiet="-Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
    if [ -f "$cds_archive" ]; then
        snapferry_cds_opts="-XX:SharedArchiveFile=$cds_archive $cds_quiet"
        return 0
    fi
    if [ -f "$cds_writer" ]; then
        cds_pid=$(cat "$cds_writer" 2>/dev/null || true)
        if [ -n "$cds_pid" ] && [ -d "/proc/$cds_pid" ]; then
            return 0 # a training run is under way
        fi
        # A training run that was killed left its marker (and perhaps a file cut short): clear up
        # whatever it left, so this daemon start trains anew.
        rm -f "$cds_writer" "$cds_dir"/snapferry-*.tmp
    fi
    if [ "$cds_write" != yes ] || ! mkdir -p "$cds_dir" 2>/dev/null || [ ! -w "$cds_dir" ]; then
        return 0
    fi
    # One training run: creating the marker fails when another launcher made it first.
    (set -C; echo "$$" >"$cds_writer") 2>/dev/null || return 0
    # What was made for other JVMs, jars or options is of no use any more.
    for cds_old in "$cds_dir"/snapferry-*; do
        case "$cds_old" in
            "$cds_writer") ;;
            *) rm -f "$cds_old" ;;
        esac
    done
    cds_tmp="$cds_archive.$$.tmp"
    (
        cds_data=$(mktemp -d "${TMPDIR:-/tmp}/snapferry-cds.XXXXXX") || exit 0
        # shellcheck disable=SC2086
        if SNAPFERRY_DATA="$cds_data" NOTIFY_SOCKET="" timeout 300 nice -n 19 "$cds_java" $cds_jvm_opts \
                -XX:ArchiveClassesAtExit="$cds_tmp" -XX:+VerifySharedSpaces $cds_quiet -cp "$cds_classpath" "$@" \
            && [ -s "$cds_tmp" ] \
            && nice -n 19 "$cds_java" $cds_jvm_opts -XX:SharedArchiveFile="$cds_tmp" -Xshare:on -XX:+VerifySharedSpaces \
                -XX:ErrorFile=/dev/null -XX:-CreateCoredumpOnCrash -cp "$cds_classpath" -version; then
            mv -f "$cds_tmp" "$cds_archive"
        fi
        rm -rf "$cds_data"
        rm -f "$cds_tmp" "$cds_writer"
    ) </dev/null >/dev/null 2>&1 &
    echo "$!" >"$cds_writer"
    return 0
}

# Prints "yes" when the snapferry command line ARGS... is "snapferry [--data DIR] daemon ...".
snapferry_is_daemon() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --data)
                [ $# -ge 2 ] || return 0
                shift 2
                ;;
            --data=*) shift ;;
            daemon) echo yes; return 0 ;;
            *) return 0 ;;
        esac
    done
}
