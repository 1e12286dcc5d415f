/** The pools the daemon serves and which provider owns each; dataset operations routed by pool. */
package io.snapferry.daemon.pools;
