package io.snapferry.stream;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.security.GeneralSecurityException;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The per-frame transformations shared by writer and reader: digest, compression, AES-GCM and
 * CRC-32C, with their reusable state. One instance per stream and direction; not thread-safe.
 * {@link #close()} frees zstd's native contexts.
 */
final class FrameCodec implements AutoCloseable {
    static final String AES_INFO = "snapferry stream v1 aes-256-gcm";
    static final String DIGEST_INFO = "snapferry stream v1 digest";

    private final Framing framing;
    private final WireHeader header;
    private final Digests frameDigest;
    private final Digests chain;
    private final SecretKeySpec aesKey;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    private final byte[] aad = new byte[Wire.STREAM_ID + 8 + 4 + 1 + Wire.DIGEST];
    private final CRC32C crc = new CRC32C();
    private final int level;
    private LZ4Compressor lz4;
    private LZ4SafeDecompressor lz4d;
    private ZstdCompressCtx zstd;
    private ZstdDecompressCtx zstdd;

    /** @param key the stream key when the stream is encrypted, else null */
    FrameCodec(WireHeader header, StreamKey key, int level) {
        this.header = header;
        this.framing = header.framing();
        this.level = level;
        if (framing.encryption() == Encryption.AES_256_GCM) {
            byte[] master = key.key();
            byte[] digestKey = Digests.hkdf(header.salt(), master, DIGEST_INFO);
            this.aesKey = new SecretKeySpec(Digests.hkdf(header.salt(), master, AES_INFO), "AES");
            this.frameDigest = Digests.keyed(digestKey);
            this.chain = Digests.keyed(digestKey);
            java.util.Arrays.fill(master, (byte) 0);
            try {
                this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK has no AES/GCM", e);
            }
        } else {
            this.aesKey = null;
            this.cipher = null;
            this.frameDigest = Digests.plain();
            this.chain = Digests.plain();
        }
        byte[] id = new byte[Wire.STREAM_ID];
        Wire.putLong(id, 0, header.header().streamId().high());
        Wire.putLong(id, 8, header.header().streamId().low());
        System.arraycopy(id, 0, aad, 0, Wire.STREAM_ID);
        System.arraycopy(header.digest(), 0, aad, Wire.STREAM_ID + 13, Wire.DIGEST);
        chain.update(header.digest(), 0, Wire.DIGEST);
    }

    Framing framing() {
        return framing;
    }

    boolean encrypted() {
        return cipher != null;
    }

    /** The largest stored length a frame of {@code ulen} plaintext bytes can have with codec {@code codec}. */
    int maxStored(int codec, int ulen) {
        int body = switch (codec) {
            case 0 -> ulen;
            case 1 -> lz4c().maxCompressedLength(ulen);
            case 2 -> (int) Math.min(Integer.MAX_VALUE - 64, Zstd.compressBound(ulen));
            default -> throw new IllegalArgumentException("codec " + codec);
        };
        return body + (encrypted() ? Wire.GCM_TAG : 0);
    }

    void frameDigest(byte[] b, int off, int len, byte[] out, int outOff) {
        frameDigest.update(b, off, len);
        frameDigest.finish(out, outOff);
    }

    /** Adds an accepted frame's digest to the stream digest. */
    void chain(byte[] digest, int off) {
        chain.update(digest, off, Wire.DIGEST);
    }

    byte[] streamDigest() {
        byte[] out = new byte[Wire.DIGEST];
        chain.finish(out, 0);
        return out;
    }

    /**
     * Compresses {@code src[off, off+len)} into {@code dst} (at least {@link #maxStored} long).
     * Returns the compressed length, or -1 when compression did not make it smaller.
     */
    int compress(byte[] src, int off, int len, byte[] dst) {
        int n = switch (framing.compression()) {
            case NONE -> -1;
            case LZ4 -> lz4c().compress(src, off, len, dst, 0, dst.length);
            case ZSTD -> zstdc().compressByteArray(dst, 0, dst.length, src, off, len);
        };
        return n >= len ? -1 : n;
    }

    /**
     * Decompresses exactly {@code ulen} bytes into {@code dst}; anything else (corrupt input, or
     * output that would exceed {@code ulen}) is DECOMPRESS_FAILED. Never writes past {@code ulen}.
     */
    void decompress(int codec, byte[] src, int len, byte[] dst, int ulen, long seq) throws StreamCorruptException {
        int n;
        try {
            n = switch (codec) {
                case 1 -> lz4d().decompress(src, 0, len, dst, 0, ulen);
                case 2 -> zstdd().decompressByteArray(dst, 0, ulen, src, 0, len);
                default -> throw new IllegalArgumentException("codec " + codec);
            };
        } catch (LZ4Exception | ZstdException e) {
            throw new StreamCorruptException(StreamCorruptException.Code.DECOMPRESS_FAILED, seq,
                    "the frame does not decompress within its declared " + ulen + " bytes: " + e.getMessage(), e);
        }
        if (n != ulen) {
            throw new StreamCorruptException(StreamCorruptException.Code.DECOMPRESS_FAILED, seq,
                    "the frame decompresses to " + n + " bytes, not the declared " + ulen);
        }
    }

    private void prepareCipher(int mode, long seq, int ulen, int codec) throws GeneralSecurityException {
        Wire.putLong(nonce, 4, seq);
        Wire.putLong(aad, Wire.STREAM_ID, seq);
        Wire.putInt(aad, Wire.STREAM_ID + 8, ulen);
        aad[Wire.STREAM_ID + 12] = (byte) codec;
        cipher.init(mode, aesKey, new GCMParameterSpec(128, nonce));
        cipher.updateAAD(aad);
    }

    /** Encrypts {@code src[off, off+len)} into {@code dst}; returns the ciphertext length (len + 16). */
    int encrypt(long seq, int ulen, int codec, byte[] src, int off, int len, byte[] dst) {
        try {
            prepareCipher(Cipher.ENCRYPT_MODE, seq, ulen, codec);
            return cipher.doFinal(src, off, len, dst, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** Decrypts and authenticates; returns the plaintext length. A failed tag is DECRYPT_FAILED. */
    int decrypt(long seq, int ulen, int codec, byte[] src, int len, byte[] dst) throws StreamCorruptException {
        try {
            prepareCipher(Cipher.DECRYPT_MODE, seq, ulen, codec);
            return cipher.doFinal(src, 0, len, dst, 0);
        } catch (AEADBadTagException e) {
            throw new StreamCorruptException(StreamCorruptException.Code.DECRYPT_FAILED, seq,
                    "the frame fails AES-GCM authentication: it was altered, belongs to another stream or position, or the key is wrong", e);
        } catch (GeneralSecurityException e) {
            throw new StreamCorruptException(StreamCorruptException.Code.DECRYPT_FAILED, seq, "the frame cannot be decrypted: " + e, e);
        }
    }

    CRC32C crc() {
        crc.reset();
        return crc;
    }

    private LZ4Compressor lz4c() {
        if (lz4 == null) {
            lz4 = LZ4Factory.fastestInstance().fastCompressor();
        }
        return lz4;
    }

    private LZ4SafeDecompressor lz4d() {
        if (lz4d == null) {
            lz4d = LZ4Factory.fastestInstance().safeDecompressor();
        }
        return lz4d;
    }

    private ZstdCompressCtx zstdc() {
        if (zstd == null) {
            zstd = new ZstdCompressCtx().setLevel(level).setChecksum(false).setContentSize(true);
        }
        return zstd;
    }

    private ZstdDecompressCtx zstdd() {
        if (zstdd == null) {
            zstdd = new ZstdDecompressCtx();
        }
        return zstdd;
    }

    @Override
    public void close() {
        if (zstd != null) {
            zstd.close();
            zstd = null;
        }
        if (zstdd != null) {
            zstdd.close();
            zstdd = null;
        }
    }
}
