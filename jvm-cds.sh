# jvm-cds.sh: sourced by the snapferry launchers (POSIX sh). A class-data sharing archive
# (AppCDS, JDK 17's dynamic archive) of the classes a daemon loaded halves the JVM's start-up work:
# classes are mapped from it instead of read from the jars, parsed and verified again.
#
#   snapferry_cds JAVA CACHE_DIR MAY_WRITE CLASSPATH "JVM OPTIONS"
# (the class path and the other options exactly as the launcher passes them) sets
# snapferry_cds_opts to the JVM options to add (possibly none):
# - an archive made for this very JVM, these jars and these options is in CACHE_DIR: use it;
# - none, and MAY_WRITE is "yes" (a daemon start) and CACHE_DIR is writable: this JVM writes one
#   when it exits (-XX:ArchiveClassesAtExit, to a temporary name); one writer at a time;
# - a writer has exited: its file is checked by a JVM that must map all of it (-Xshare:on,
#   -XX:+VerifySharedSpaces), in the background at the lowest priority, and only then renamed into
#   place. A file cut short (writer killed while dumping) would crash the JVM that maps it, so an
#   unchecked file is never used; a failed check deletes it and the next daemon start writes anew.
# Anything wrong (no cache directory, not writable, a stale or damaged archive) means a start
# without the archive, which is just slower: the JVM itself refuses an archive made for another
# JVM or other jars (-Xshare:auto), and its CDS messages are switched off. SNAPFERRY_CDS=off
# disables all of this.
snapferry_cds() {
    snapferry_cds_opts=""
    cds_java=$1
    cds_dir=$2
    cds_write=$3
    cds_classpath=$4
    cds_jvm_opts=$5
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
            return 0 # still running (or still writing)
        fi
        # The writer has exited. Whoever renames its marker first checks its file.
        if mv "$cds_writer" "$cds_writer.checking.$$" 2>/dev/null; then
            cds_tmp="$cds_archive.$cds_pid.tmp"
            (
                if [ -s "$cds_tmp" ] && nice -n 19 "$cds_java" $cds_jvm_opts -XX:SharedArchiveFile="$cds_tmp" -Xshare:on \
                        -XX:+VerifySharedSpaces -XX:ErrorFile=/dev/null -XX:-CreateCoredumpOnCrash \
                        -cp "$cds_classpath" -version >/dev/null 2>&1; then
                    mv -f "$cds_tmp" "$cds_archive"
                fi
                rm -f "$cds_tmp" "$cds_writer.checking.$$"
            ) </dev/null >/dev/null 2>&1 &
        fi
        return 0
    fi
    if [ "$cds_write" != yes ] || ! mkdir -p "$cds_dir" 2>/dev/null || [ ! -w "$cds_dir" ]; then
        return 0
    fi
    # One writer: creating the marker fails when another launcher made it first.
    if (set -C; echo "$$" >"$cds_writer") 2>/dev/null; then
        for cds_old in "$cds_dir"/snapferry-*.jsa "$cds_dir"/snapferry-*.tmp; do
            rm -f "$cds_old"
        done
        snapferry_cds_opts="-XX:ArchiveClassesAtExit=$cds_archive.$$.tmp -XX:+VerifySharedSpaces $cds_quiet"
    fi
    return 0
}

# Prints "yes" when the snapferry command line ARGS... is "snapferry [--data DIR] daemon ...".
snapferry_is_daemon() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --data) shift 2 || return 0 ;;
            --data=*) shift ;;
            daemon) echo yes; return 0 ;;
            *) return 0 ;;
        esac
    done
}
