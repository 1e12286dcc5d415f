/** The box's TLS certificate: self-signed at first start with Bouncy Castle, or supplied by the operator. */
package io.snapferry.web.tls;
