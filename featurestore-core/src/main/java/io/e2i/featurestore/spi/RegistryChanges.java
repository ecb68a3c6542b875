package io.e2i.featurestore.spi;

/**
 * A registry that other processes may change too (several servers on one PostgreSQL) implements
 * this, so each instance notices their changes within a second: the core reads the stamp every
 * quarter second while it serves (and before serving, when it has not for three quarters of a
 * second) and reloads its snapshot when the stamp moved.
 */
public interface RegistryChanges {

  /**
   * A cheap value that changes whenever a stored group or feature version is created or changed.
   * Reading it must cost far less than loading the registry.
   */
  String changeStamp();
}
