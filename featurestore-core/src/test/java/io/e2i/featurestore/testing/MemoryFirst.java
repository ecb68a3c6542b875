package io.e2i.featurestore.testing;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.MemoryOnly;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store whose online reads go as the server's inline reads do: first in a {@link MemoryOnly}
 * scope, and when that signals {@link MemoryOnly.WouldBlock}, again as usual. Running a contract
 * through it checks that memory-first reads answer alike and count alike.
 */
public final class MemoryFirst {
  private MemoryFirst() {}

  /** How many reads the last wrapped stores answered from memory, and how many they handed on. */
  public static final AtomicLong FROM_MEMORY = new AtomicLong();

  public static final AtomicLong HANDED_ON = new AtomicLong();

  public static FeatureStore wrap(FeatureStore store) {
    return (FeatureStore)
        Proxy.newProxyInstance(
            FeatureStore.class.getClassLoader(),
            new Class<?>[] {FeatureStore.class},
            (proxy, method, args) -> {
              if (!method.getName().equals("getEntityFeatures")) {
                return invoke(store, method, args);
              }
              try {
                Object answer = MemoryOnly.call(() -> invoke(store, method, args));
                FROM_MEMORY.incrementAndGet();
                return answer;
              } catch (MemoryOnly.WouldBlock signal) {
                HANDED_ON.incrementAndGet();
                return invoke(store, method, args);
              }
            });
  }

  private static Object invoke(FeatureStore store, Method method, Object[] args) throws Exception {
    try {
      return method.invoke(store, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      if (e.getCause() instanceof Error x) {
        throw x;
      }
      throw e;
    }
  }
}
