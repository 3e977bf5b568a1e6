package org.lsrlucene;

import org.apache.lucene.util.Version;

/** Identifies the plugin jar and the Lucene version it runs against. */
public final class PluginInfo {
  private PluginInfo() {}

  /** Plugin version, kept equal to the Python package version. */
  public static final String VERSION = "0.1.0";

  /** The Lucene version found on the classpath at run time. */
  public static String luceneVersion() {
    return Version.LATEST.toString();
  }
}
