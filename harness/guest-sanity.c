// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks that the test guest has what the kselftests rely on: the exporters,
 * importers and fence sources of the guest config, and debugfs. Prints KTAP.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm/drm.h>
#include <linux/videodev2.h>

static int failed;
static int num;

static void result(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++num, what);
	failed |= !ok;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Whether some /dev/dri/card* is driven by @driver. */
static int drm_driver_present(const char *driver)
{
	char path[64], name[64];
	int found = 0;

	for (int i = 0; i < 8 && !found; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		found = !ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, driver);
		close(fd);
	}
	return found;
}

/* Number of /dev/video* nodes driven by @driver. */
static int video_nodes(const char *driver)
{
	char path[64];
	int count = 0;

	for (int i = 0; i < 64; i++) {
		struct v4l2_capability cap;
		int fd;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, driver))
			count++;
		close(fd);
	}
	return count;
}

int main(void)
{
	printf("TAP version 13\n1..8\n");
	result(exists("/dev/dma_heap/system"), "system dma-heap");
	result(exists("/dev/udmabuf"), "udmabuf");
	result(drm_driver_present("vgem"), "vgem");
	result(drm_driver_present("vkms"), "vkms");
	result(video_nodes("vivid") >= 2, "two vivid instances");
	result(video_nodes("vim2m") >= 1, "vim2m");
	result(exists("/sys/kernel/debug/sync/sw_sync"), "sw_sync");
	result(exists("/sys/kernel/debug/dma_buf/bufinfo"), "dma_buf bufinfo");
	return failed;
}
