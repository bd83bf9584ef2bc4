package org.bml.algorithms;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Checks an array entry of a checkpoint (ND4J's {@code Nd4j.write} encoding) before ND4J reads it:
 * ND4J trusts the declared lengths, so a short data buffer under a large shape is an out-of-bounds
 * native read and a huge declared length is a huge allocation. The encoding is a shape-info buffer
 * (rank, shape, strides, extras, element-wise stride, order; longs) then a data buffer, each
 * preceded by its allocation mode, its length and its element type.
 */
final class ArrayEntry {
  /** Largest rank ND4J supports. */
  private static final int MAX_RANK = 32;

  private ArrayEntry() {}

  /** What a valid entry declares. */
  record Header(String dtype, long[] shape, long length) {}

  /**
   * Returns the entry's header if {@code bytes} is exactly one C- or F-ordered float or double
   * array whose data buffer holds as many elements as its shape; otherwise throws
   * {@link IllegalArgumentException} saying what is wrong.
   */
  static Header check(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      long infoLength = bufferHeader(in, "shape", "LONG");
      if (infoLength < 4 || infoLength > 2L * MAX_RANK + 4) {
        throw new IllegalArgumentException("shape information of " + infoLength + " values (at most "
            + (2 * MAX_RANK + 4) + ")");
      }
      long[] info = new long[(int) infoLength];
      for (int i = 0; i < info.length; i++) {
        info[i] = in.readLong();
      }
      long rank = info[0];
      if (rank < 0 || rank > MAX_RANK || infoLength != 2 * rank + 4) {
        throw new IllegalArgumentException("rank " + rank + " with " + infoLength + " shape values");
      }
      int r = (int) rank;
      long[] shape = new long[r];
      long length = 1;
      for (int i = 0; i < r; i++) {
        shape[i] = info[1 + i];
        if (shape[i] < 0) {
          throw new IllegalArgumentException("negative dimension " + shape[i]);
        }
        length = Math.multiplyExact(length, shape[i]);
      }
      char order = (char) info[info.length - 1];
      if (order != 'c' && order != 'f') {
        throw new IllegalArgumentException("order '" + info[info.length - 1] + "' (expected c or f)");
      }
      long stride = 1;
      for (int k = 0; k < r; k++) {
        int i = order == 'c' ? r - 1 - k : k;
        if (shape[i] > 1 && info[1 + r + i] != stride) {
          throw new IllegalArgumentException("strides that are not a dense " + order + "-ordered layout");
        }
        stride = Math.multiplyExact(stride, Math.max(shape[i], 1));
      }
      String[] type = new String[1];
      long dataLength = bufferHeader(in, "data", null, type);
      int elementBytes = switch (type[0]) {
        case "FLOAT" -> 4;
        case "DOUBLE" -> 8;
        default -> throw new IllegalArgumentException("element type " + type[0] + " (expected FLOAT or DOUBLE)");
      };
      if (dataLength != length) {
        throw new IllegalArgumentException("a data buffer of " + dataLength + " elements under a shape of " + length);
      }
      long remaining = in.available();
      if (remaining != Math.multiplyExact(dataLength, (long) elementBytes)) {
        throw new IllegalArgumentException("a data buffer declaring " + dataLength + " " + type[0] + " values ("
            + dataLength * elementBytes + " bytes) but holding " + remaining + " bytes");
      }
      return new Header(type[0], shape, length);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("a shape whose element count overflows a long");
    } catch (EOFException e) {
      throw new IllegalArgumentException("an array entry cut short");
    } catch (IOException e) {
      throw new IllegalArgumentException("an unreadable array entry (" + e + ")");
    }
  }

  private static long bufferHeader(DataInputStream in, String what, String expectedType) throws IOException {
    return bufferHeader(in, what, expectedType, new String[1]);
  }

  private static long bufferHeader(DataInputStream in, String what, String expectedType, String[] type)
      throws IOException {
    String alloc = in.readUTF();
    if (!"MIXED_DATA_TYPES".equals(alloc)) {
      throw new IllegalArgumentException(what + " buffer in allocation mode '" + alloc + "' (expected MIXED_DATA_TYPES)");
    }
    long n = in.readLong();
    type[0] = in.readUTF();
    if (expectedType != null && !expectedType.equals(type[0])) {
      throw new IllegalArgumentException(what + " buffer of type " + type[0] + " (expected " + expectedType + ")");
    }
    if (n < 0) {
      throw new IllegalArgumentException(what + " buffer of negative length " + n);
    }
    return n;
  }
}
