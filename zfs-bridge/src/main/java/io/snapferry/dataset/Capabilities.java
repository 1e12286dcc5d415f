package io.snapferry.dataset;

/**
 * What a provider can do on this machine. A caller checks these instead of catching
 * {@link ErrorCode#UNSUPPORTED}.
 *
 * @param resumableReceive interrupted receives keep partial state and hand out resume tokens
 * @param bookmarks        bookmarks can serve as incremental bases
 * @param streamKind       what {@link DatasetProvider#send} produces: "zfs" for ZFS send streams,
 *                         "embedded" for the embedded store's record stream
 */
public record Capabilities(boolean resumableReceive, boolean bookmarks, String streamKind) {
}
