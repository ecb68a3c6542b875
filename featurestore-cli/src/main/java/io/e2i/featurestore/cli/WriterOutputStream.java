package io.e2i.featurestore.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 bytes onto a character {@link Writer}: the training data writers produce bytes, the CLI's
 * stdout is a writer (tests capture it). A multi-byte character split across writes is kept until
 * its last byte arrives.
 */
final class WriterOutputStream extends OutputStream {
  private final Writer out;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private final ByteBuffer pending = ByteBuffer.allocate(1 << 16);
  private final CharBuffer chars = CharBuffer.allocate(1 << 16);

  WriterOutputStream(Writer out) {
    this.out = out;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, pending.remaining());
      pending.put(b, off, n);
      off += n;
      len -= n;
      drain();
    }
  }

  private void drain() throws IOException {
    pending.flip();
    while (true) {
      var result = decoder.decode(pending, chars, false);
      chars.flip();
      out.append(chars);
      chars.clear();
      if (!result.isOverflow()) {
        break;
      }
    }
    pending.compact(); // keeps the bytes of an incomplete character
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }
}
