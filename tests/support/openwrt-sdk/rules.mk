# A stand-in for OpenWrt's rules.mk: only what the feed's recipes use
# (tests/unit/openwrt-feed.test.ts). The compilers and flags are this machine's,
# given by the test on make's command line.
INCLUDE_DIR:=$(TOPDIR)/include
BUILD_DIR:=$(TOPDIR)/build_dir
DL_DIR:=$(TOPDIR)/dl
CP:=cp -fpR
INSTALL_BIN:=install -m0755
INSTALL_DIR:=install -d -m0755
INSTALL_DATA:=install -m0644
INSTALL_CONF:=install -m0600
TARGET_CC?=cc
HOSTCC?=cc
TARGET_CFLAGS?=-Os -pipe
TARGET_CPPFLAGS?=
TARGET_LDFLAGS?=
